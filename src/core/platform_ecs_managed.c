/*
 * platform_ecs_managed.c - Amazon ECS Managed Instances: ECS tasks on EC2 instances that AWS
 * launches, patches, scales and replaces in the account, CPU or GPU, on demand or on Spot.
 *
 * The tasks fit, pack and run as on ECS on EC2 (platform_ecs_ec2.c, ec2pack.h: per job and
 * always on, GPU placements, Spot from the EC2 Spot Instance Advisor); the bill adds a
 * management fee per instance-hour, billed per second with a one-minute minimum like the
 * instance. AWS prices the fee per instance type and the Price List files computefit reads
 * carry no such rows, so it is the model's share of the instance's on-demand rate
 * (ecs_managed.management_fee_share, with its sources), and its line is marked an estimate.
 * Savings Plans and Spot discount the instance, not the fee.
 */
#include "computefit/ec2pack.h"

void platform_ecs_managed_price(const struct cost_ctx *c, struct cost_option *o)
{
    ec2pack_ecs_price(c, o, "ecs_managed.instances", c->m->ecs_managed.management_fee_share);
}
