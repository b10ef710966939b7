"""The textual watch face (`oo watch`). Imported only by that command."""
