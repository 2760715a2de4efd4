"""Data quality of every batch: SQL-pushdown metrics, SPC verdicts, GX validation, the gate (no Airflow here).

* :func:`dataops.quality.gate.run_gate` -- the quality gate of one batch (returns a ``GateResult``);
* :func:`dataops.quality.gate.reevaluate_batch` / :func:`dataops.quality.labels.apply_label` -- analysts' labels;
* :mod:`.config` -- ``expectations/metrics/<dataset>.yaml``: which metrics, with which SPC settings;
* :mod:`.metrics` -- the metric SQL; :mod:`.history` -- ``quality.metric_history`` and ``quality.label_audit``;
* :mod:`.gx_project` / :mod:`.gx_runner` / :mod:`.gx_expectations` -- the committed GX file context, running its
  checkpoint with the SPC limits as suite parameters, and the SPC expectations;
* :mod:`.gx_duckdb` and :mod:`.engine` -- the two DuckDB connection fixes (GX result sets; in-process configs).
"""
