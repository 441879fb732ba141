/*
 * platform.c - the table of platforms (see platform.h). Each row's functions are in
 * platform_<key>.c; nothing else in computefit names a platform.
 */
#include "computefit/platform.h"

#include <string.h>

#include "computefit/ec2pack.h"

const struct platform platforms[MODEL_PLATFORM_COUNT] = {
    [MODEL_LAMBDA] =
        {
            .id = MODEL_LAMBDA,
            .key = "lambda",
            .verdict_key = "lambda",
            .title = "Lambda",
            .label = "Lambda",
            .chart_label = "Lambda",
            .rates_label = "Lambda",
            .offer = CF_OFFER_LAMBDA,
            .functions = true,
            .outside_vpc = true,
            .break_even = BREAK_EVEN_ANY,
            .price = platform_lambda_price,
            .describe = platform_lambda_describe,
            .config = platform_lambda_config,
            .plan_free_tier = platform_lambda_plan_free_tier,
        },
    [MODEL_FARGATE] =
        {
            .id = MODEL_FARGATE,
            .key = "fargate",
            .verdict_key = "fargate",
            .title = "Fargate",
            .label = "Fargate",
            .chart_label = "Fargate",
            .rates_label = "Fargate",
            .offer = CF_OFFER_FARGATE,
            .break_even = BREAK_EVEN_BY_MODE,
            .price = platform_fargate_price,
            .describe = platform_fargate_describe,
            .config = platform_fargate_config,
        },
    [MODEL_ECS_EC2] =
        {
            .id = MODEL_ECS_EC2,
            .key = "ecs_ec2",
            .verdict_key = "ecs_ec2",
            .title = "ECS on EC2",
            .label = "ECS on EC2",
            .chart_label = "ECS on EC2",
            .rates_label = "EC2 instance",
            .offer = CF_OFFER_EC2,
            .break_even = BREAK_EVEN_ANY,
            .price = platform_ecs_ec2_price,
            .describe = ec2pack_ecs_describe,
            .config = ec2pack_ecs_config,
        },
    [MODEL_LAMBDA_MANAGED] =
        {
            .id = MODEL_LAMBDA_MANAGED,
            .key = "lambda_managed",
            .verdict_key = "lambda_managed",
            .title = "Lambda Managed Instances",
            .label = "Lambda Managed",
            .chart_label = "Lambda Managed",
            .rates_label = "EC2 instance",
            .offer = CF_OFFER_EC2, /* and Lambda's request rate */
            .functions = true, /* invoked as Lambda functions are; its instances are in the VPC */
            .break_even = BREAK_EVEN_ANY,
            .price = platform_lambda_managed_price,
            .describe = platform_lambda_managed_describe,
            .config = platform_lambda_managed_config,
        },
    [MODEL_ECS_MANAGED] =
        {
            .id = MODEL_ECS_MANAGED,
            .key = "ecs_managed",
            .verdict_key = "ecs_managed",
            .title = "ECS Managed Instances",
            .label = "ECS Managed",
            .chart_label = "ECS Managed",
            .rates_label = "EC2 instance",
            .offer = CF_OFFER_EC2,
            .break_even = BREAK_EVEN_ANY,
            .price = platform_ecs_managed_price,
            .describe = ec2pack_ecs_describe,
            .config = ec2pack_ecs_config,
        },
};

const struct platform *platform_find(const char *key)
{
    for (size_t i = 0; i < MODEL_PLATFORM_COUNT; i++)
        if (!strcmp(platforms[i].key, key))
            return &platforms[i];
    return NULL;
}
