"""The exam service: the store and its migrations, exams, accounts, raters and gradebooks."""
