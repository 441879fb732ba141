/*
 * platform_ecs_ec2.c - ECS on EC2: tasks on EC2 instances of the rates table, CPU or GPU, on
 * instances the account runs itself (no management fee).
 *
 * An instance type fits a task when its architecture is the task's (either, for "any"), its
 * memory less what the OS and the ECS agent keep holds the task's memory (or the model's
 * weights, when larger), and:
 *  - on a CPU instance (gpus 0): its vCPUs hold the task's vCPU (given, or what Lambda would
 *    give that memory); never when the task needs a GPU;
 *  - on a GPU instance: its GPUs hold the GPU memory (the task's, or the weights when larger,
 *    with the model's headroom; a model larger than one GPU is sharded across the instance's
 *    GPUs, and ECS gives a task whole GPUs), and only a vCPU count the request gives constrains
 *    it (the GPU does the work); only when the task needs a GPU, or may use one for its model
 *    (gpu not given), never when gpu is false.
 *
 * When the task may run on either (a model's weights without "gpu"), both placements are
 * priced, the GPU ones as variants of their own ("per_job_gpu", "always_on_gpu"), and the
 * cheapest variant is used. Per job, always on and Spot are ec2pack.h's, shared with ECS
 * Managed Instances (platform_ecs_managed.c), which runs the same tasks on instances AWS
 * manages, for a fee.
 */
#include "computefit/ec2pack.h"

void platform_ecs_ec2_price(const struct cost_ctx *c, struct cost_option *o)
{
    ec2pack_ecs_price(c, o, "ecs_ec2.instances", 0);
}
