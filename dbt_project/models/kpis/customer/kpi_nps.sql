-- nps: 100 × (promoters − detractors) ÷ responses, over the NPS responses with responded_at in p.
-- Promoters score 9–10, detractors 0–6. Published numerator = promoters − detractors,
-- denominator = responses (value = 100 × numerator ÷ denominator).
{{ kpi_ratio(ref('int_nps_daily'), 'net_promoters', 'responses', scale=100) }}
