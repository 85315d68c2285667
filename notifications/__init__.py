"""Messages: Chinese templates, recipients' channels, an SMS gateway plugin for apprise."""
