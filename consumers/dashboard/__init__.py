"""`baystream dashboard`: the live congestion dashboard, its REST API and the alert webhooks."""
