"""The settings window, its tabs, and the editable config document behind them."""
