"""Dispatch optimisation: build a day's problem, solve it with the engines, check and explain the plan."""
