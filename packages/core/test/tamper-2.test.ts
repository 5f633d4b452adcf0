import { tamperSuite } from './helpers/tamper-suite.js';

tamperSuite(2, 2500);
