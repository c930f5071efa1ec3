"""The permessage-deflate settings of py_client.py and py_echo_server.py."""


def options(mode, factory):
    """connect()'s or serve()'s compression arguments for --deflate MODE,
    `factory` being the side's permessage-deflate extension factory.

    "small" asks for windows of 2^9 bytes both ways and no context takeover
    either way; anything else is websockets' default.
    """
    if mode == "small":
        small = factory(
            server_no_context_takeover=True,
            client_no_context_takeover=True,
            server_max_window_bits=9,
            client_max_window_bits=9,
        )
        return {"compression": None, "extensions": [small]}
    return {"compression": "deflate"}
