"""Model monitoring: what the champion sees in production, judged with the quality gate's SPC engine.

- :mod:`.reference`: the training reference of a model (``reference.json``: bins and shares of every feature,
  the training cutoff), built at training time and recorded in the warehouse when the model scores;
- :mod:`.drift`: the population stability index of every feature of a batch against that reference,
  computed in the warehouse (one aggregate query);
- :mod:`.stability`: non-finite or out-of-range feature values and invalid scores, counted in the warehouse;
- :mod:`.limits`: fixed-limit checks (numerical stability, model age) in the evaluation shape of the gate.

The quality gate's ``post_score`` stage measures all of it after the champion scored (:mod:`.measure`).
"""
