"""The daemon: scheduler jobs, timing policy, notifications, installation."""
