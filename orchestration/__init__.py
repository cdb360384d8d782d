"""KPI metrics layer: raw data in, measured KPIs, targets and a scorecard out."""
