"""Figures across the jobs: the home dashboard and the monthly workbook."""
