"""Billing: the pricing rules and travel fees, stored invoices and credit notes, their documents."""
