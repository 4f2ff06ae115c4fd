"""Reports for the owner: figures of a period computed by pure functions over stored records.

Nothing here reads the database: :mod:`dispatch.office.reporting` reads the stored invoices,
credit notes, payments, requests, visits and trips and hands them to these functions, which
the "Rapports" page and ``opms-dispatch report`` only show. Money is ``Decimal``; periods are
whole days in America/Montreal, from midnight to midnight. A module per idea:

* :mod:`~dispatch.reports.periods`: week, month, quarter or custom days, and their steps;
* :mod:`~dispatch.reports.facts`: the stored records as plain values;
* :mod:`~dispatch.reports.taxes`: GST and QST billed (invoices minus credit notes), the return's figures;
* :mod:`~dispatch.reports.revenue`: billed by outcome, collected, payments by method;
* :mod:`~dispatch.reports.travel`: travel fees against the estimated driving, per zone;
* :mod:`~dispatch.reports.workload`: technicians' service, driving, waiting and lunch;
* :mod:`~dispatch.reports.estimates`: answers to the estimates, diagnostic minutes;
* :mod:`~dispatch.reports.response`: time to the first call and visit, cancellations;
* :mod:`~dispatch.reports.demand`: requests by zone and in hexagons for the map;
* :mod:`~dispatch.reports.journal`: the accounting export (sales journal CSV, documented layout);
* :mod:`~dispatch.reports.documents`: the tax report as CSV and PDF.
"""

from dispatch.reports.demand import DemandReport, HexCell, demand_report, hexbin
from dispatch.reports.estimates import EstimateReport, estimate_report
from dispatch.reports.facts import AppointmentFact, RequestFact, TechnicianFact, VisitFact
from dispatch.reports.journal import COLUMNS, journal_csv, journal_rows, journal_totals
from dispatch.reports.periods import Period, PeriodKind, month_of, period_of, quarter_of, week_of
from dispatch.reports.response import ResponseReport, response_report
from dispatch.reports.revenue import RevenueReport, outcome_category, revenue_report
from dispatch.reports.taxes import TaxLine, TaxReport, tax_report
from dispatch.reports.travel import ZoneTravel, travel_report
from dispatch.reports.workload import TechnicianDay, workload_report

__all__ = [
    "COLUMNS",
    "AppointmentFact",
    "DemandReport",
    "EstimateReport",
    "HexCell",
    "Period",
    "PeriodKind",
    "RequestFact",
    "ResponseReport",
    "RevenueReport",
    "TaxLine",
    "TaxReport",
    "TechnicianDay",
    "TechnicianFact",
    "VisitFact",
    "ZoneTravel",
    "demand_report",
    "estimate_report",
    "hexbin",
    "journal_csv",
    "journal_rows",
    "journal_totals",
    "month_of",
    "outcome_category",
    "period_of",
    "quarter_of",
    "response_report",
    "revenue_report",
    "tax_report",
    "travel_report",
    "week_of",
    "workload_report",
]
