"""The rep's calendar: business days, renewal tasks, recurring tasks and the ICS feeds."""
