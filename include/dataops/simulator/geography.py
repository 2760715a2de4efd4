"""Static world of the simulator: countries, currencies, merchant category codes and their weights.

Everything here is plain data; ``population`` and ``frauds`` turn it into numpy arrays.
"""

from __future__ import annotations

#: ISO-3166 alpha-2 country -> (ISO-4217 currency, units of that currency per EUR).
COUNTRIES: dict[str, tuple[str, float]] = {
    "NL": ("EUR", 1.0),
    "DE": ("EUR", 1.0),
    "BE": ("EUR", 1.0),
    "FR": ("EUR", 1.0),
    "ES": ("EUR", 1.0),
    "IT": ("EUR", 1.0),
    "IE": ("EUR", 1.0),
    "GB": ("GBP", 0.85),
    "US": ("USD", 1.08),
    "CH": ("CHF", 0.95),
}
COUNTRY_CODES: tuple[str, ...] = tuple(COUNTRIES)

#: Where customers live: most are domestic (the issuer is Dutch), some live abroad.
CUSTOMER_COUNTRY_WEIGHTS: dict[str, float] = {
    "NL": 0.82, "DE": 0.05, "BE": 0.05, "FR": 0.03, "GB": 0.02, "ES": 0.01, "US": 0.01, "IT": 0.01,
}
#: Where card-present terminals (pos, atm) stand.
PHYSICAL_TERMINAL_COUNTRY_WEIGHTS: dict[str, float] = {
    "NL": 0.66, "DE": 0.07, "BE": 0.07, "FR": 0.05, "GB": 0.04, "ES": 0.04, "IT": 0.03, "US": 0.02,
    "CH": 0.01, "IE": 0.01,
}
#: Where online merchants are registered.
ECOM_TERMINAL_COUNTRY_WEIGHTS: dict[str, float] = {
    "NL": 0.45, "DE": 0.10, "GB": 0.12, "US": 0.18, "FR": 0.04, "IE": 0.06, "BE": 0.03, "CH": 0.02,
}
#: Where stolen card details are cashed out (card-compromise fraud abroad).
FRAUD_COUNTRY_WEIGHTS: dict[str, float] = {
    "US": 0.30, "GB": 0.20, "ES": 0.12, "FR": 0.10, "IT": 0.10, "CH": 0.06, "IE": 0.06, "DE": 0.06,
}

#: Share of terminals per channel.
CHANNEL_TERMINAL_SHARE: dict[str, float] = {"pos": 0.80, "atm": 0.08, "ecom": 0.12}
CHANNELS: tuple[str, ...] = ("pos", "ecom", "atm")

ATM_MCC = "6011"
#: Card-present merchant categories: mcc -> (weight among pos terminals, amount factor vs the customer mean).
POS_MCCS: dict[str, tuple[float, float]] = {
    "5411": (0.30, 1.0),  # grocery stores
    "5812": (0.12, 1.4),  # restaurants
    "5814": (0.10, 0.4),  # fast food
    "5541": (0.09, 1.4),  # fuel
    "5912": (0.06, 0.8),  # pharmacies
    "5311": (0.06, 1.6),  # department stores
    "5651": (0.08, 2.0),  # clothing
    "5999": (0.08, 1.0),  # miscellaneous retail
    "4111": (0.06, 0.3),  # transit
    "7011": (0.05, 4.0),  # hotels
}
#: Card-not-present merchant categories: mcc -> (weight among ecom terminals, amount factor).
ECOM_MCCS: dict[str, tuple[float, float]] = {
    "5311": (0.22, 1.3),  # marketplaces
    "5964": (0.14, 1.5),  # catalogue merchants
    "5815": (0.16, 0.3),  # digital goods
    "5732": (0.10, 4.0),  # electronics
    "4722": (0.06, 6.0),  # travel agencies
    "4121": (0.12, 0.6),  # ride hailing
    "5814": (0.14, 0.8),  # food delivery
    "5999": (0.04, 1.0),  # miscellaneous
    "4829": (0.02, 3.0),  # money transfer
}
#: ATM withdrawals relative to the customer's mean card amount.
ATM_AMOUNT_FACTOR = 3.0

#: Merchant categories fraudsters prefer when they choose (account takeover, card compromise online).
FRAUD_ECOM_MCCS: tuple[str, ...] = ("5732", "4829", "5815", "4722")


def currency_of(country: str) -> str:
    """ISO-4217 currency used in a country.

    :param country: ISO-3166 alpha-2 code known to the simulator.
    :raises KeyError: unknown country.
    """
    return COUNTRIES[country][0]
