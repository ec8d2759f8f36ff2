"""Impact reports: the tables, downloads and printable reports of a viewer's scope."""
