"""Model metrics shared by training and evaluation (numpy only; imports neither of them).

``binary``: classification metrics; ``summary``: the headline metrics of one model on labelled rows and
:class:`~dataops.metrics.summary.EvaluationConfig`; ``serialize``: JSON-safe documents.
"""
