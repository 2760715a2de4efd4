"""Read models of the DataOps view (no Airflow, no HTML): what the Airflow UI page shows.

* :mod:`.tiles` -- per dataset, one tile per metric with the latest batch's verdict (ok / warning / critical /
  excluded);
* :mod:`.chart` -- a metric's control chart over the last batches (centre, limits, zones, flags, statuses);
* :mod:`.geometry` -- that chart laid out in pixels (what an SVG draws);
* :mod:`.incidents` -- critical batches no analyst has labelled yet, with their triage link;
* :mod:`.models` -- the registry: champion, shadow, alias timeline, decisions with report links;
* :mod:`.rollback` -- the champion rollback asked from the view (reason, confirmation, compare-and-set).
"""

from dataops.overview.chart import MetricChart, metric_chart
from dataops.overview.geometry import ChartGeometry, chart_geometry
from dataops.overview.incidents import Incident, open_incidents
from dataops.overview.models import RegistryOverview, registry_overview
from dataops.overview.rollback import RollbackRefused, roll_back_champion
from dataops.overview.tiles import DatasetTiles, Tile, dataset_tiles, tile_state

__all__ = ["ChartGeometry", "DatasetTiles", "Incident", "MetricChart", "RegistryOverview", "RollbackRefused",
           "Tile", "chart_geometry", "dataset_tiles", "metric_chart", "open_incidents", "registry_overview",
           "roll_back_champion", "tile_state"]
