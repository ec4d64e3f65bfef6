"""满意度: residents' ratings (recorded, follow-up, QR), their monthly summary and charts."""
