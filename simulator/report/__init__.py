"""Reports: the terminal table, figures and documents. Only this package imports matplotlib, lazily."""
