import { tamperSuite } from './helpers/tamper-suite.js';

tamperSuite(1, 2500);
