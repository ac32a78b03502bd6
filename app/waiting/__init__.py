"""What waits for a person across their accounts: the "Waiting for you" panel on the home page."""
