{#- The raw tables that have an event date (raw-contract.md, "Event dates"), as (source, table).
    order_lines take their order's date, so they are not listed on their own. -#}
{% macro event_dated_tables() -%}
    {{ return([
        ('sales', 'orders'), ('sales', 'subscription_periods'),
        ('marketing', 'marketing_spend'), ('marketing', 'web_sessions'), ('marketing', 'leads'),
        ('marketing', 'social_metrics'),
        ('finance', 'gl_entries'), ('finance', 'bank_transactions'), ('finance', 'fx_rates'),
        ('operations', 'production_runs'), ('operations', 'inventory_snapshots'), ('operations', 'shipments'),
        ('customer', 'support_tickets'), ('customer', 'nps_responses'),
        ('people', 'employees'), ('people', 'training_records'),
    ]) }}
{%- endmacro %}
