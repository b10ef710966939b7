"""The recommender. Callers use `oo.engine.recommender.recommend` and `react` only."""
