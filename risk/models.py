# The risk engine's history (margin-level snapshots, margin calls, liquidations) lands here with the
# risk engine issue.
