"""Explained replays of liquidations and margin calls (issue 17), built from the stored history."""

from risk.replay.build import Replay, liquidation_replay_get, margin_call_replay_get
from risk.replay.serialize import replay_data

__all__ = ["Replay", "liquidation_replay_get", "margin_call_replay_get", "replay_data"]
