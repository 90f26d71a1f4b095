/**
 * A stand-in for ECS's RegisterTaskDefinition on 127.0.0.1, speaking the ECS JSON protocol (awsJson1_1, target
 * AmazonEC2ContainerServiceV20141113.*) so the real @aws-sdk/client-ecs talks to it. It rejects, with ECS's
 * ClientException, what ECS rejects in the parts promplate writes: no family, no container name or image, invalid
 * names, secrets without an execution role, a valueFrom that is no SSM parameter or Secrets Manager secret (ARN or
 * parameter name), a doubled `/` in a parameter ARN, duplicate variable names, environment values that are not strings.
 */
import { json, serve, type Endpoint } from "./aws-endpoints.js";

const TARGET = "AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition";
const NAME = /^[A-Za-z0-9_-]{1,255}$/;
const REGION = "[a-z]{2}(?:-[a-z]+)+-\\d+";
const PARTITION = "arn:aws(?:-cn|-us-gov)?";
/** A parameter ARN: the name after `parameter` (a hierarchical name loses its leading `/`). */
const SSM_ARN = new RegExp(`^${PARTITION}:ssm:${REGION}:\\d{12}:parameter/(?!/)[A-Za-z0-9_.\\-/]+$`);
/** A secret ARN, optionally with ECS's `:json-key:version-stage:version-id` suffix (exactly three more fields). */
const SECRET_ARN = new RegExp(`^${PARTITION}:secretsmanager:${REGION}:\\d{12}:secret:[A-Za-z0-9/_+=.@-]+(?::[^:]*:[^:]*:[^:]*)?$`);
/** A parameter in the task's own region may be named instead of its ARN. */
const PARAMETER_NAME = /^(?:\/?[A-Za-z0-9_.-]+)+$/;

interface Registered {
  family: string;
  revision: number;
  input: Record<string, unknown>;
}

export interface EcsEndpoint extends Endpoint {
  registered: Registered[];
}

class ClientException extends Error {}

function validate(input: Record<string, unknown>): void {
  const family = input.family;
  if (typeof family !== "string" || family === "") throw new ClientException("Family must not be null or empty.");
  if (!NAME.test(family)) throw new ClientException("Family contains invalid characters: up to 255 letters, numbers, hyphens and underscores are allowed.");
  const containers = input.containerDefinitions;
  if (!Array.isArray(containers) || containers.length === 0) throw new ClientException("Container list cannot be empty.");
  let hasSecrets = false;
  const containerNames = new Set<string>();
  for (const container of containers as Record<string, unknown>[]) {
    const name = container.name;
    if (typeof name !== "string" || name === "") throw new ClientException("Container.name should not be null or empty.");
    if (!NAME.test(name)) throw new ClientException(`Container.name ${name} contains invalid characters.`);
    if (containerNames.has(name)) throw new ClientException(`Container names must be unique: ${name}.`);
    containerNames.add(name);
    if (typeof container.image !== "string" || container.image === "") throw new ClientException("Container.image should not be null or empty.");
    const names = new Set<string>();
    for (const variable of (container.environment ?? []) as Record<string, unknown>[]) {
      if (typeof variable.name !== "string" || typeof variable.value !== "string")
        throw new ClientException("Environment variables must be name/value strings.");
      if (names.has(variable.name)) throw new ClientException(`Duplicate environment variable name: ${variable.name}.`);
      names.add(variable.name);
    }
    for (const secret of (container.secrets ?? []) as Record<string, unknown>[]) {
      hasSecrets = true;
      if (typeof secret.name !== "string" || secret.name === "") throw new ClientException("Secret.name should not be null or empty.");
      if (names.has(secret.name)) throw new ClientException(`Duplicate environment variable name: ${secret.name}.`);
      names.add(secret.name);
      const from = secret.valueFrom;
      if (typeof from !== "string" || from === "") throw new ClientException("Secret.valueFrom should not be null or empty.");
      const valid = from.startsWith("arn:") ? SSM_ARN.test(from) || SECRET_ARN.test(from) : PARAMETER_NAME.test(from) && !from.includes("//");
      if (!valid) throw new ClientException(`Invalid secret valueFrom ${from}: give the ARN of a Secrets Manager secret or an SSM parameter.`);
    }
    for (const port of (container.portMappings ?? []) as Record<string, unknown>[]) {
      if (!Number.isInteger(port.containerPort)) throw new ClientException("portMappings.containerPort must be an integer.");
    }
  }
  if (hasSecrets && typeof input.executionRoleArn !== "string") {
    throw new ClientException("When you are specifying container secrets, you must also specify a value for 'executionRoleArn'.");
  }
}

export async function serveEcs(): Promise<EcsEndpoint> {
  const registered: Registered[] = [];
  const endpoint = await serve((req, body, res) => {
    if (req.headers["x-amz-target"] !== TARGET) {
      return json(
        res,
        400,
        { __type: "UnknownOperationException", message: `unknown target ${String(req.headers["x-amz-target"])}` },
        "application/x-amz-json-1.1",
      );
    }
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(body) as Record<string, unknown>;
      validate(input);
    } catch (error) {
      const message = error instanceof ClientException ? error.message : "The request body is not valid JSON.";
      return json(res, 400, { __type: "ClientException", message }, "application/x-amz-json-1.1");
    }
    const family = input.family as string;
    const revision = registered.filter((r) => r.family === family).length + 1;
    registered.push({ family, revision, input });
    json(
      res,
      200,
      {
        taskDefinition: {
          ...input,
          taskDefinitionArn: `arn:aws:ecs:us-east-1:123456789012:task-definition/${family}:${revision}`,
          revision,
          status: "ACTIVE",
        },
      },
      "application/x-amz-json-1.1",
    );
  });
  return Object.assign(endpoint, { registered });
}
