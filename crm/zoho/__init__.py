"""Zoho CRM through the SDK: the only crm package that imports `zohocrmsdk`.

`runner` runs one connection's calls (inside `zoho.sdk`'s activation, with a refresh and
retry on 401 INVALID_TOKEN); `errors` turns Zoho's answers into `core.errors.AppError`;
`convert` turns SDK objects into plain dicts and back; `metadata`, `records`, `files` and
`query` are the operations, one function per Zoho API call, each of one connection.
"""
