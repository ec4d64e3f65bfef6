"""What an office's IT person runs on the server: see deploy/README.md. Standard library only."""
