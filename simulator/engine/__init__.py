"""Computing and reading: metric formulas, statistics, grouping, labels, and reading and checking trainees' answers."""
