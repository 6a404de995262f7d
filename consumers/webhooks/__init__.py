"""Alert webhooks as a product (docs/webhooks.md).

- `subscriptions`: what a subscription is, how a request becomes one, and the compacted
  `webhook-subscriptions` topic that keeps them (a writer, and a book every reader keeps from the topic);
- `delivery`: signing (Standard Webhooks), one delivery with retries, and `WebhookDeliverer`, the consumer
  group on `congestion-alerts` that `baystream webhooks` runs;
- `command`: `baystream webhooks`.

The dashboard's `/api/webhooks` (consumers/dashboard/webhooks.py) manages subscriptions; it sends nothing.
"""
