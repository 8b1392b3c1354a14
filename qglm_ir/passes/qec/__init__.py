"""QEC stage: scheduling, dynamical decoupling, redundant readout, repetition codes,
readout mitigation, and the ``qec`` policy that chooses among them per qubit from
calibration. See ``docs/qec.md``.

Passes (pipeline name -> class): ``dd`` -> :class:`.dd.DynamicalDecoupling`,
``redundant-readout`` -> :class:`.redundant_readout.RedundantReadout`,
``rep-code`` -> :class:`.rep_code.RepetitionCode`, ``readout-mitigation`` ->
:class:`.readout_mitigation.ReadoutMitigation`, ``qec`` -> :class:`.policy.QecPolicy`.
Tools: :func:`.schedule.schedule`, :func:`.noisy_sim.simulate`,
:func:`.check.logically_equivalent`, :func:`.stim_export.to_stim`.
"""
