"""Helpers of run.sh, test.sh and the notebook's regeneration."""
