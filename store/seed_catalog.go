package store

// The five shapes of seeded definitions (see seedShape): what each runs and what its tasks
// answer.

// seedDoc is a JSON object of a seeded document.
type seedDoc = map[string]any

var orderShape = &seedShape{
	description: "Seeded by podium seed: validate, route, charge, ship and notify an order",
	routes:      []string{"standard", "standard", "standard", "express", "express", "international"},
	input: func(x *seedExecution) seedDoc {
		items := x.items()
		total := 0.0
		for _, it := range items {
			line := it.(seedDoc)
			total += line["price"].(float64) * float64(line["quantity"].(int))
		}
		return x.withBlob(seedDoc{"orderId": x.token("ord_", 12), "customer": x.customer(), "items": items,
			"currency": x.pick(seedCurrencies), "amount": float64(int(total*100)) / 100}, "giftMessage", 0.02)
	},
	steps: []*seedStep{
		workerStep("seed_validate_order", seedDoc{"orderId": "${workflow.input.orderId}", "items": "${workflow.input.items}"},
			func(x *seedExecution) seedDoc {
				return seedDoc{"valid": true, "checkedItems": len(x.input["items"].([]any)), "warnings": []any{}}
			}),
		switchStep("route_order", map[string][]*seedStep{
			"express": {httpStep("reserve_express", "POST", "https://inventory.example.com/v2/reservations?mode=express",
				seedDoc{"orderId": "${workflow.input.orderId}", "items": "${workflow.input.items}"},
				func(x *seedExecution) seedDoc {
					return x.response(201, seedDoc{"reservationId": x.token("res_", 10), "warehouse": x.pick(seedCities)})
				})},
			"international": {
				workerStep("seed_customs_check", seedDoc{"items": "${workflow.input.items}", "customer": "${workflow.input.customer}"},
					func(x *seedExecution) seedDoc { return seedDoc{"cleared": true, "tariffCode": x.token("", 8)} }),
				inlineStep("quote_duties", "(function(){ return $.amount * 0.12; })()", seedDoc{"amount": "${workflow.input.amount}"},
					func(x *seedExecution) seedDoc { return seedDoc{"result": x.amount(1, 200)} }),
			},
		}, httpStep("reserve_stock", "POST", "https://inventory.example.com/v2/reservations",
			seedDoc{"orderId": "${workflow.input.orderId}", "items": "${workflow.input.items}"},
			func(x *seedExecution) seedDoc {
				return x.response(201, seedDoc{"reservationId": x.token("res_", 10), "warehouse": x.pick(seedCities)})
			})),
		workerStep("seed_charge_payment", seedDoc{"amount": "${workflow.input.amount}", "currency": "${workflow.input.currency}",
			"customerId": "${workflow.input.customer.id}"},
			func(x *seedExecution) seedDoc {
				return seedDoc{"chargeId": x.token("ch_", 14), "status": "captured", "amount": x.input["amount"]}
			}),
		httpStep("ship_order", "POST", "https://shipping.example.com/v1/shipments",
			seedDoc{"orderId": "${workflow.input.orderId}", "address": "${workflow.input.customer.city}"},
			func(x *seedExecution) seedDoc {
				return x.response(201, seedDoc{"trackingNumber": x.token("1Z", 16), "carrier": x.pick([]string{"ups", "dhl", "fedex"}),
					"labelUrl": "https://shipping.example.com/labels/" + x.token("", 20)})
			}),
		workerStep("seed_notify_customer", seedDoc{"email": "${workflow.input.customer.email}",
			"tracking": "${ship_order.output.response.body.trackingNumber}"},
			func(x *seedExecution) seedDoc {
				return x.withBlob(seedDoc{"messageId": x.token("msg_", 12), "channel": "email"}, "renderedBody", 0.03)
			}),
	},
	outputParameters: seedDoc{"chargeId": "${seed_charge_payment.output.chargeId}",
		"trackingNumber": "${ship_order.output.response.body.trackingNumber}"},
}

var paymentShape = &seedShape{
	description: "Seeded by podium seed: authorize, challenge when asked, capture and build a receipt",
	routes:      []string{"frictionless", "frictionless", "frictionless", "3ds"},
	input: func(x *seedExecution) seedDoc {
		return seedDoc{"paymentId": x.token("pay_", 12), "amount": x.amount(1, 2500), "currency": x.pick(seedCurrencies),
			"card":     seedDoc{"brand": x.pick([]string{"visa", "mastercard", "amex"}), "last4": x.token("", 4)},
			"customer": x.customer()}
	},
	steps: []*seedStep{
		httpStep("authorize_card", "POST", "https://psp.example.com/v1/authorizations",
			seedDoc{"paymentId": "${workflow.input.paymentId}", "amount": "${workflow.input.amount}", "card": "${workflow.input.card}"},
			func(x *seedExecution) seedDoc {
				return x.response(200, seedDoc{"authorizationId": x.token("auth_", 12), "approved": true, "riskScore": x.between(0, 99)})
			}),
		switchStep("route_payment", map[string][]*seedStep{
			"3ds": {workerStep("seed_challenge_3ds", seedDoc{"paymentId": "${workflow.input.paymentId}"},
				func(x *seedExecution) seedDoc { return seedDoc{"authenticated": true, "eci": "05"} })},
		}),
		workerStep("seed_capture_payment", seedDoc{"authorizationId": "${authorize_card.output.response.body.authorizationId}",
			"amount": "${workflow.input.amount}"},
			func(x *seedExecution) seedDoc {
				return seedDoc{"captureId": x.token("cap_", 12), "settled": x.chance(0.8)}
			}),
		jqStep("build_receipt", "{id: .paymentId, total: .amount, currency: .currency}",
			seedDoc{"paymentId": "${workflow.input.paymentId}", "amount": "${workflow.input.amount}", "currency": "${workflow.input.currency}"},
			func(x *seedExecution) seedDoc {
				r := seedDoc{"id": x.input["paymentId"], "total": x.input["amount"], "currency": x.input["currency"]}
				return seedDoc{"result": r, "resultList": []any{r}}
			}),
	},
	outputParameters: seedDoc{"receipt": "${build_receipt.output.result}", "captureId": "${seed_capture_payment.output.captureId}"},
}

var onboardingShape = &seedShape{
	description: "Seeded by podium seed: create an account, record consent in the EU, welcome and score",
	routes:      []string{"us", "us", "apac", "eu", "eu"},
	input: func(x *seedExecution) seedDoc {
		return x.withBlob(seedDoc{"user": x.customer(), "referrer": x.token("ref_", 6), "marketingOptIn": x.chance(0.4)}, "profileNotes", 0.02)
	},
	steps: []*seedStep{
		workerStep("seed_create_account", seedDoc{"user": "${workflow.input.user}"},
			func(x *seedExecution) seedDoc { return seedDoc{"accountId": x.token("acc_", 12), "created": true} }),
		switchStep("check_region", map[string][]*seedStep{
			"eu": {
				setVariableStep("record_consent", seedDoc{"consent": "${workflow.input.marketingOptIn}"}),
				workerStep("seed_gdpr_register", seedDoc{"accountId": "${seed_create_account.output.accountId}"},
					func(x *seedExecution) seedDoc {
						return seedDoc{"registered": true, "ledgerEntry": x.token("gdpr_", 10)}
					}),
			},
		}),
		httpStep("send_welcome", "POST", "https://mail.example.com/v3/send",
			seedDoc{"to": "${workflow.input.user.email}", "template": "welcome"},
			func(x *seedExecution) seedDoc {
				return x.response(202, seedDoc{"queued": true, "id": x.token("m_", 16)})
			}),
		inlineStep("score_signup", "(function(){ return $.optIn ? 80 : 40; })()", seedDoc{"optIn": "${workflow.input.marketingOptIn}"},
			func(x *seedExecution) seedDoc { return seedDoc{"result": x.between(10, 99)} }),
	},
	outputParameters: seedDoc{"accountId": "${seed_create_account.output.accountId}", "score": "${score_signup.output.result}"},
}

var reportShape = &seedShape{
	description: "Seeded by podium seed: fetch metrics, aggregate, render in the asked format, upload and share",
	routes:      []string{"html", "pdf", "pdf", "csv"},
	input: func(x *seedExecution) seedDoc {
		return seedDoc{"reportId": x.token("rep_", 10), "team": x.pick(seedWords), "windowHours": x.between(1, 168),
			"recipients": []any{x.customer()["email"], x.customer()["email"]}}
	},
	steps: []*seedStep{
		httpStep("fetch_metrics", "GET", "https://metrics.example.com/api/v1/query_range?window=${workflow.input.windowHours}h", nil,
			func(x *seedExecution) seedDoc {
				return x.response(200, seedDoc{"series": x.series(x.count(120)*4, x.created), "unit": "ms"})
			}),
		inlineStep("aggregate_metrics", "(function(){ return { p50: 12, p99: 87 }; })()", seedDoc{"series": "${fetch_metrics.output.response.body.series}"},
			func(x *seedExecution) seedDoc {
				return seedDoc{"result": seedDoc{"p50": x.between(5, 40), "p99": x.between(50, 900)}}
			}),
		switchStep("pick_format", map[string][]*seedStep{
			"pdf": {workerStep("seed_render_pdf", seedDoc{"summary": "${aggregate_metrics.output.result}"},
				func(x *seedExecution) seedDoc {
					return seedDoc{"pages": x.between(1, 30), "bytes": x.between(20_000, 4_000_000)}
				})},
			"csv": {jqStep("render_csv", ".series | map(\"\\(.t),\\(.value)\") | join(\"\\n\")",
				seedDoc{"series": "${fetch_metrics.output.response.body.series}"},
				func(x *seedExecution) seedDoc {
					t := x.text(x.between(200, 3000))
					return seedDoc{"result": t, "resultList": []any{t}}
				})},
		}, workerStep("seed_render_html", seedDoc{"summary": "${aggregate_metrics.output.result}"},
			func(x *seedExecution) seedDoc {
				return x.withBlob(seedDoc{"bytes": x.between(2_000, 90_000)}, "preview", 0.05)
			})),
		httpStep("upload_report", "PUT", "https://storage.example.com/reports/${workflow.input.reportId}", nil,
			func(x *seedExecution) seedDoc {
				return x.response(200, seedDoc{"etag": x.token("", 32), "versionId": x.token("v", 8)})
			}),
		workerStep("seed_share_report", seedDoc{"recipients": "${workflow.input.recipients}", "reportId": "${workflow.input.reportId}"},
			func(x *seedExecution) seedDoc { return seedDoc{"shared": len(x.input["recipients"].([]any))} }),
	},
	outputParameters: seedDoc{"summary": "${aggregate_metrics.output.result}", "etag": "${upload_report.output.response.body.etag}"},
}

var notificationShape = &seedShape{
	description: "Seeded by podium seed: send one notification on the channel asked for",
	routes:      []string{"email", "email", "sms", "push", "push"},
	input: func(x *seedExecution) seedDoc {
		return seedDoc{"recipient": x.customer(), "subject": x.text(x.between(10, 60)), "body": x.text(x.between(40, 600))}
	},
	steps: []*seedStep{
		switchStep("pick_channel", map[string][]*seedStep{
			"sms": {workerStep("seed_send_sms", seedDoc{"to": "${workflow.input.recipient.id}", "text": "${workflow.input.subject}"},
				func(x *seedExecution) seedDoc { return seedDoc{"sid": x.token("SM", 32), "segments": x.between(1, 3)} })},
			"push": {httpStep("send_push", "POST", "https://push.example.com/v1/messages",
				seedDoc{"to": "${workflow.input.recipient.id}", "title": "${workflow.input.subject}"},
				func(x *seedExecution) seedDoc { return x.response(200, seedDoc{"delivered": x.between(1, 4)}) })},
		}, workerStep("seed_send_email", seedDoc{"to": "${workflow.input.recipient.email}", "subject": "${workflow.input.subject}",
			"body": "${workflow.input.body}"},
			func(x *seedExecution) seedDoc { return seedDoc{"messageId": x.token("msg_", 12)} })),
	},
	outputParameters: seedDoc{"channel": "${workflow.input.route}"},
}
