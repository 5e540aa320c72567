import { type CfnElement, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Every route the report function serves: the dashboard page at `/` and everything below it. */
export const REPORT_ROUTE_PATHS = ['/', '/{proxy+}'] as const;
const STAGE_NAME = '$default';
/** Direct-response webhooks: authenticated by their HMAC signature in the function, not by IAM (docs/direct-response.md). */
export const EVENTS_ROUTE_PATH = '/campaigns/{campaignId}/events';

export interface ReportingApiProps {
  readonly namePrefix: string;
  readonly handler: IFunction;
  readonly rateLimit: number;
  readonly burstLimit: number;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The reporting endpoint: an HTTP API whose every route requires SigV4 (IAM) authentication, with
 * JSON access logs and stage throttling, plus the managed policy analysts attach to be let in.
 */
export class ReportingApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  /** `execute-api:Invoke` on this API's GET routes, for analysts' roles. */
  readonly invokePolicy: ManagedPolicy;

  constructor(scope: Construct, id: string, props: ReportingApiProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', {
      apiName: `${props.namePrefix}-report`,
      description: 'KOL Pulse reporting API (IAM auth on every route)',
      // The default stage is created below with throttling and access logs.
      createDefaultStage: false,
      defaultAuthorizer: new HttpIamAuthorizer(),
    });
    const integration = new HttpLambdaIntegration('Report', props.handler);
    for (const path of REPORT_ROUTE_PATHS)
      this.api.addRoutes({
        path,
        methods: [HttpMethod.GET],
        integration,
        authorizer: new HttpIamAuthorizer(),
      });
    const [eventsRoute] = this.api.addRoutes({
      path: EVENTS_ROUTE_PATH,
      methods: [HttpMethod.POST],
      integration,
      authorizer: new HttpNoneAuthorizer(),
    });
    if (eventsRoute)
      Validations.of(eventsRoute).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'Shop and CRM webhooks cannot sign SigV4: every request must carry an HMAC-SHA256 signature with a per-campaign key from Secrets Manager, checked before the body is read (401 otherwise); the stage throttle bounds abuse.',
      });

    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      logGroupName: `/aws/apigateway/${props.namePrefix}-report`,
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.stage = this.addDefaultStage(props);
    this.invokePolicy = this.addInvokePolicy(props.namePrefix);
  }

  /** The `$default` stage: throttled, with JSON access logs. */
  private addDefaultStage(props: ReportingApiProps): HttpStage {
    return new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: STAGE_NAME,
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit, burstLimit: props.burstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            sourceIp: '$context.identity.sourceIp',
            caller: '$context.identity.caller',
            userArn: '$context.identity.userArn',
            method: '$context.httpMethod',
            routeKey: '$context.routeKey',
            path: '$context.path',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
          }),
        ),
      },
    });
  }

  /** `execute-api:Invoke` on the GET routes of the default stage, for analysts' roles. */
  private addInvokePolicy(namePrefix: string): ManagedPolicy {
    const policy = new ManagedPolicy(this, 'InvokePolicy', {
      managedPolicyName: `${namePrefix}-report-invoke`,
      description: 'Lets an analyst call the KOL Pulse reporting API (GET routes of its default stage only).',
      statements: [
        new PolicyStatement({
          actions: ['execute-api:Invoke'],
          resources: [
            this.api.arnForExecuteApi('GET', '/', STAGE_NAME),
            this.api.arnForExecuteApi('GET', '/*', STAGE_NAME),
          ],
        }),
      ],
    });
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${this.stackLogicalId(this.api)}>/${STAGE_NAME}/GET/*]`,
      reason:
        'Analysts may read every report route; the wildcard covers paths of GET on this one API and stage.',
    });
    return policy;
  }

  /** URL of the default stage, e.g. https://abc123.execute-api.eu-west-1.amazonaws.com/ */
  get url(): string {
    return this.stage.url;
  }

  private stackLogicalId(api: HttpApi): string {
    const stack = Stack.of(this);
    return stack.resolve(stack.getLogicalId(api.node.defaultChild as CfnElement)) as string;
  }
}
