"""Checking the API's answers."""


def assert_error(response, status: int, code: str) -> dict:
    """The response is the API's JSON error with this status and code, and says why; returns the error."""
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    return error
