// Entry module for Cloud Functions (and the local stack): registers the four event handlers — nothing else.
// Loading it creates no cloud client; the backend builds the ports on the first event.
import * as functions from '@google-cloud/functions-framework';
import { onBuildStatus } from './handlers/on-build-status';
import { onDatasetFinalized } from './handlers/on-dataset-finalized';
import { onReconcileTick } from './handlers/on-reconcile-tick';
import { onTrainingStatus } from './handlers/on-training-status';

functions.cloudEvent('onDatasetFinalized', onDatasetFinalized);
functions.cloudEvent('onBuildStatus', onBuildStatus);
functions.cloudEvent('onTrainingStatus', onTrainingStatus);
functions.cloudEvent('onReconcileTick', onReconcileTick);
