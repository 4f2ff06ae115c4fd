"""Records: the database schema and repositories, the intervention lifecycle, backups and Law 25."""
