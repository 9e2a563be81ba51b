"""Follows and notifications: in the header for everyone, by email for those who opt in."""
