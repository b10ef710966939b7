"""The recommender: context, candidates, policies, decisions, rewards and explanations."""

import os

# The engine's matrices are small: BLAS threads cost more than they save. Set before any
# engine module loads numpy (a no-op when numpy is already loaded, or the user chose).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
