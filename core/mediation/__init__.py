"""矛盾调解: dispute cases from intake to follow-up, their deadlines, statistics and documents."""
