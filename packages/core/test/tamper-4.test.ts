import { tamperSuite } from './helpers/tamper-suite.js';

tamperSuite(4, 2500);
