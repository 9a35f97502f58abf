"""The diagnosis panel: what the rules of :mod:`nnviz.live.diagnosis` find, in words.

It redraws only when the findings change, and emits ``summaryChanged`` with the one-line
summary the main window shows in its status bar.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from nnviz.live.diagnosis import Finding, summary
from nnviz.live.snapshot import TrainingSnapshot

HEALTHY_TEXT = (
    "Nothing unusual: gradients reach every layer, no units are stuck, and the loss "
    "moves as it should."
)
WAITING_TEXT = "Train a step to see a diagnosis."


def findings_html(findings: tuple[Finding, ...]) -> str:
    """One paragraph per finding: its title, its sentence with the numbers (without the
    title again when the sentence starts with it), then the suggestion."""
    paragraphs = []
    for f in findings:
        text = f.text
        if text.lower().startswith(f.title.lower() + ":"):
            text = text[len(f.title) + 1 :].lstrip()
            text = text[:1].upper() + text[1:]
        paragraphs.append(
            f"<p style='margin-bottom:8px'><b>{escape(f.title.capitalize())}.</b> "
            f"{escape(text)}<br><i>→ {escape(f.suggestion)}</i></p>"
        )
    return "".join(paragraphs)


class DiagnosisPanel(QWidget):
    """The findings of the latest snapshot. ``summaryChanged(str)``: the status-bar line."""

    summaryChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel(WAITING_TEXT)
        self.heading.setWordWrap(True)
        self.body = QLabel("")
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.heading)
        layout.addWidget(self.body, 1)
        self.findings: tuple[Finding, ...] | None = None
        self.summary = ""

    def show_snapshot(self, snapshot: TrainingSnapshot) -> None:
        if not snapshot.layer_stats or snapshot.findings == self.findings:
            return
        findings = snapshot.findings
        self.findings = findings
        if findings:
            count = len(findings)
            self.heading.setText(f"<b>{count} thing{'s' if count > 1 else ''} to look at:</b>")
        else:
            self.heading.setText(f"<b>Healthy.</b> {HEALTHY_TEXT}")
        self.body.setText(findings_html(findings))
        text = summary(findings)
        if text != self.summary:
            self.summary = text
            self.summaryChanged.emit(text)
