"""Custom GX expectations for SPC limits: the built-in "between" expectations plus the SPC verdict.

``min_value``/``max_value`` are the control limits the SPC engine computed for this batch, passed at run
time as suite parameters (``{"$PARAMETER": "amount_log_mean_lcl"}``). The extra ``spc`` parameter carries
the engine's centre, sigma, verdict and fired rules; the validation result then holds, next to GX's own
observed value (computed in the warehouse), the centre, the limits, the z-score of GX's value and the
rules, and Data Docs show them in the "observed value" column.

Importing this module registers the expectations with GX (needed before a suite using them is loaded).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import great_expectations.expectations as gxe
from great_expectations.core.suite_parameters import SuiteParameterDict
from great_expectations.render import LegacyDiagnosticRendererType
from great_expectations.render.renderer.renderer import renderer


def spc_details(observed: Any, spc: dict | None, lcl: Any, ucl: Any) -> dict[str, Any]:
    """The SPC part of a validation result.

    :param observed: the value GX observed in the warehouse.
    :param spc: the engine's evaluation summary (centre, sigma, verdict, rules, metric, z).
    :param lcl: lower control limit used.
    :param ucl: upper control limit used.
    """
    spc = dict(spc or {})
    centre, sigma = spc.get("centre"), spc.get("sigma")
    z = None
    if isinstance(observed, int | float) and centre is not None and sigma:
        z = (float(observed) - float(centre)) / float(sigma)
    return {"metric": spc.get("metric"), "value": observed, "centre": centre, "lcl": lcl, "ucl": ucl,
            "sigma": sigma, "z": z if z is not None else spc.get("z"), "verdict": spc.get("verdict"),
            "rules": list(spc.get("rules") or []), "engine_value": spc.get("value")}


def _describe(result) -> str:
    details = ((result.result or {}).get("details") or {}).get("spc") if result is not None else None
    if not details:
        return "--"

    def f(x: Any) -> str:
        return "n/a" if x is None else f"{x:.6g}" if isinstance(x, float) else str(x)

    z = details.get("z")
    rules = ", ".join(details.get("rules") or []) or "none"
    return (f"{f(details.get('value'))} (centre {f(details.get('centre'))}, limits [{f(details.get('lcl'))}, "
            f"{f(details.get('ucl'))}], z {'n/a' if z is None else f'{z:+.2f}'}, verdict "
            f"{details.get('verdict') or 'n/a'}, rules: {rules})")


if TYPE_CHECKING:  # what the mixin relies on: an expectation's configuration and built-in _validate
    _ExpectationBase = gxe.Expectation
else:
    _ExpectationBase = object


class _SPCMixin(_ExpectationBase):
    """Adds the ``spc`` parameter and the SPC details of the result."""

    def _validate(self, metrics, runtime_configuration=None, execution_engine=None):
        """The built-in check, then the SPC facts (value, centre, limits, z, rules) added to its result."""
        # the concrete expectation after the mixin in the MRO implements it (mypy sees the abstract base)
        return self._with_spc(super()._validate(metrics, runtime_configuration, execution_engine),  # type: ignore[safe-super]
                              runtime_configuration)

    def _with_spc(self, result, runtime_configuration):
        res = result if isinstance(result, dict) else {"success": result.success, "result": result.result}
        body = dict(res.get("result") or {})
        spc = self.configuration.kwargs.get("spc")
        if isinstance(spc, dict) and "$PARAMETER" in spc:
            spc = None
        body.setdefault("details", {})["spc"] = spc_details(
            body.get("observed_value"), spc, self.configuration.kwargs.get("min_value"),
            self.configuration.kwargs.get("max_value"))
        res["result"] = body
        return res


class ExpectTableRowCountToBeInControl(_SPCMixin, gxe.ExpectTableRowCountToBeBetween):
    """Row count of the batch within its SPC control limits (weekday centre)."""

    spc: dict | SuiteParameterDict | None = None
    success_keys: ClassVar[tuple[str, ...]] = (*gxe.ExpectTableRowCountToBeBetween.success_keys, "spc")  # type: ignore[assignment]  # GX types it as a 4-tuple

    @classmethod
    @renderer(renderer_type=LegacyDiagnosticRendererType.OBSERVED_VALUE)
    def _diagnostic_observed_value_renderer(cls, configuration=None, result=None, runtime_configuration=None):
        return _describe(result)


class ExpectColumnMeanToBeInControl(_SPCMixin, gxe.ExpectColumnMeanToBeBetween):
    """Mean of a column of the batch within its SPC control limits."""

    spc: dict | SuiteParameterDict | None = None
    success_keys: ClassVar[tuple[str, ...]] = (*gxe.ExpectColumnMeanToBeBetween.success_keys, "spc")  # type: ignore[assignment]  # GX types it as a 4-tuple

    @classmethod
    @renderer(renderer_type=LegacyDiagnosticRendererType.OBSERVED_VALUE)
    def _diagnostic_observed_value_renderer(cls, configuration=None, result=None, runtime_configuration=None):
        return _describe(result)


class ExpectColumnStdevToBeInControl(_SPCMixin, gxe.ExpectColumnStdevToBeBetween):
    """Standard deviation of a column of the batch within its SPC control limits."""

    spc: dict | SuiteParameterDict | None = None
    success_keys: ClassVar[tuple[str, ...]] = (*gxe.ExpectColumnStdevToBeBetween.success_keys, "spc")  # type: ignore[assignment]  # GX types it as a 4-tuple

    @classmethod
    @renderer(renderer_type=LegacyDiagnosticRendererType.OBSERVED_VALUE)
    def _diagnostic_observed_value_renderer(cls, configuration=None, result=None, runtime_configuration=None):
        return _describe(result)


SPC_EXPECTATIONS = (ExpectTableRowCountToBeInControl, ExpectColumnMeanToBeInControl, ExpectColumnStdevToBeInControl)
