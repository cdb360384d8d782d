-- social_engagement_rate: Σ engagements ÷ Σ impressions of the social_metrics rows with
-- metric_date in p (all platforms together).
{{ kpi_ratio(ref('int_social_daily'), 'engagements', 'impressions') }}
