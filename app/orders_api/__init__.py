"""Orders API: the Lambda function behind API Gateway's `/orders` and `/orders/{id}` routes.

The stack ships the `app/` folder as the function's code, so this package is importable as `orders_api`
and the handler string is `orders_api.handler.handler`. Only the standard library and boto3/botocore
(both present in the Lambda Python runtime) are used.
"""
