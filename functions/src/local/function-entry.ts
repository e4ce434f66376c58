// The entry module of a function process the local stack starts (functions-framework `--source`): the four functions
// of index.ts, the entry module Cloud Functions loads, with the local backend registered. index.ts itself reaches
// nothing under local/, so the cloud's function archive carries none of it.
import '../index';
import { useLocalBackend } from '../backend';
import { createLocalPorts } from '.';

// The handlers build the ports on their first event, after this has run.
useLocalBackend((config) => createLocalPorts(config));
