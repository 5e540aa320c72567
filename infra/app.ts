#!/usr/bin/env node
// CDK entry (cdk.json "app"): `npx cdk synth|deploy -c stage=prod -c alarmEmail=ops@example.com`.
import { App } from 'aws-cdk-lib';
import { addKolPulse } from './stacks/kol-pulse';

addKolPulse(new App());
